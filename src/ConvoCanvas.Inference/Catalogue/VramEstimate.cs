namespace ConvoCanvas.Inference.Catalogue;

/// <summary>VRAM a model takes loaded with a given context: weights (file bytes) + KV cache for num_ctx + overhead.</summary>
public readonly record struct VramEstimate(long WeightsBytes, long KvBytes, long OverheadBytes)
{
    public long TotalBytes => WeightsBytes + KvBytes + OverheadBytes;

    public static VramEstimate Of(ModelSpec model, int numCtx) =>
        new(model.FileBytes, model.KvBytesPerToken * (long)numCtx, model.OverheadBytes);

    /// <summary>"12.3 GB (weights 9.1 GB + KV 2.8 GB + overhead 0.4 GB)".</summary>
    public override string ToString() =>
        $"{Gb(TotalBytes)} (weights {Gb(WeightsBytes)} + KV {Gb(KvBytes)} + overhead {Gb(OverheadBytes)})";

    public static string Gb(long bytes) => $"{bytes / 1e9:F1} GB";
}
