namespace ConvoCanvas.Inference.Catalogue;

/// <summary>The card: its name, its memory, and what other programs (a desktop, a browser) keep on it.</summary>
public sealed record GpuSpec(string Name, long VramBytes, long ReservedBytes = 0)
{
    /// <summary>What models may use: the card less what others hold.</summary>
    public long BudgetBytes => VramBytes - ReservedBytes;
}
