using System.Globalization;

namespace ConvoCanvas.Benchmarks;

/// <summary>CPU time and peak memory of processes, from /proc.</summary>
internal static class ProcessStats
{
    // utime + stime of a process, from /proc (clock ticks of 1/100 s on Linux).
    public static double CpuSeconds(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (pid <= 0 || !File.Exists(stat))
        {
            return 0;
        }
        var fields = File.ReadAllText(stat).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static double PostgresCpuSeconds() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => { try { return File.ReadAllText($"/proc/{pid}/comm").Trim() == "postgres"; } catch (IOException) { return false; } })
            .Sum(CpuSeconds);

    public static double PeakRssMb(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return double.NaN;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
