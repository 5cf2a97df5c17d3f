namespace ConvoCanvas.Inference.Ollama;

/// <summary>A model installed in Ollama (<c>/api/tags</c>).</summary>
public sealed record InstalledModel(string Name, long SizeBytes, string? Family, string? ParameterSize, string? Quantization);

/// <summary>
/// What <c>/api/show</c> says about a model, with the architecture numbers a KV-cache estimate needs.
/// </summary>
/// <param name="KvBytesPerToken">K and V for every layer at f16: 2 × layers × KV heads × head width × 2 bytes; 0 when the architecture numbers are missing.</param>
public sealed record ModelFacts(
    string Name,
    long SizeBytes,
    string? Architecture,
    string? ParameterSize,
    string? Quantization,
    int ContextLength,
    long KvBytesPerToken,
    IReadOnlyList<string> Capabilities)
{
    /// <summary>It writes text (chat and generate); an embedding-only model does not.</summary>
    public bool Generates => Capabilities.Count == 0 || Capabilities.Contains("completion");

    public bool Embeds => Capabilities.Contains("embedding");
}

/// <summary>A model Ollama holds in memory (<c>/api/ps</c>).</summary>
public sealed record RunningModelInfo(string Name, long SizeBytes, long SizeVramBytes, int ContextLength, DateTimeOffset? ExpiresAt);

/// <summary>The timing fields of a finished request, in tokens and seconds.</summary>
public sealed record GenerationStats(int PromptTokens, double PromptSeconds, int OutputTokens, double EvalSeconds, double LoadSeconds, double TotalSeconds)
{
    public double TokensPerSecond => EvalSeconds > 0 ? OutputTokens / EvalSeconds : 0;

    public double PromptTokensPerSecond => PromptSeconds > 0 ? PromptTokens / PromptSeconds : 0;
}

/// <summary>One piece of a streamed answer: text, and on the last piece the request's statistics.</summary>
public sealed record GenerationChunk(string Text, GenerationStats? Stats = null)
{
    public bool Done => Stats is not null;
}

/// <summary>A message of a chat: <c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
public sealed record ChatTurn(string Role, string Content);
