using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

/// <summary>What every command shares: connect to the gateway, run, turn errors into one clear line.</summary>
internal static class CommandRunner
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void SetGrainAction(this Command command, Func<ParseResult, GatewayConnection, CancellationToken, Task<int>> action) =>
        command.SetAction((parseResult, cancellationToken) => RunGrainActionAsync(parseResult, action, cancellationToken));

    /// <summary>Connects to the gateway and runs <paramref name="action"/>; errors become one line and exit code 1.</summary>
    public static async Task<int> RunGrainActionAsync(ParseResult parseResult, Func<ParseResult, GatewayConnection, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await GatewayConnection.ConnectAsync(
                parseResult.GetValue(GlobalOptions.Gateway)!, parseResult.GetValue(GlobalOptions.ClusterId)!, cancellationToken);
            return await action(parseResult, connection, cancellationToken);
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (ConvoCanvas.Abstractions.ModelRequestException ex)
        {
            // A model request the silo could not serve (Ollama down, a model too large): its one line.
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException && ex is not OrleansException)
        {
            // The silo refused the request and said why (an empty query, a feature that is off).
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            Console.Error.WriteLine($"error: the silo failed the request: {ex.Message}");
            return 1;
        }
    }

    /// <summary>For commands that run here, without a silo (the simulator): bad input is one clear line and exit code 1.</summary>
    public static void SetLocalAction(this Command command, Func<ParseResult, CancellationToken, int> action) =>
        command.SetAction((parseResult, cancellationToken) =>
        {
            try
            {
                return Task.FromResult(action(parseResult, cancellationToken));
            }
            catch (Exception ex) when (ex is CliException or ConvoCanvas.Inference.InferenceInputException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return Task.FromResult(1);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return Task.FromResult(1);
            }
        });

    public static bool WantsJson(this ParseResult parseResult) => parseResult.GetValue(GlobalOptions.Json);

    public static void PrintJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Tables and progress go to stderr when stdout is not a terminal, so pipes get clean output.</summary>
    public static IAnsiConsole Screen { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
    });

    public static string When(DateTimeOffset? value) => value?.ToString("yyyy-MM-dd HH:mm") ?? "-";
}
