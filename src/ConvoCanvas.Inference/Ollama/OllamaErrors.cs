namespace ConvoCanvas.Inference.Ollama;

/// <summary>Something the Ollama server did or did not do; the message is one line a person can act on.</summary>
public class OllamaException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Nothing answers at the configured URL (not started, wrong port, network down).</summary>
public sealed class OllamaUnavailableException(Uri server, Exception? inner = null)
    : OllamaException($"Ollama is not reachable at {server} (is `ollama serve` running? set ConvoCanvas:Models:OllamaUrl or CONVOCANVAS_OLLAMA)", inner)
{
    public Uri Server { get; } = server;
}

/// <summary>The model is not installed in that Ollama.</summary>
public sealed class OllamaModelNotFoundException(string model, Uri server)
    : OllamaException($"model '{model}' is not installed in Ollama at {server} (ollama pull {model})")
{
    public string Model { get; } = model;
}

/// <summary>A request stopped producing anything: Ollama can hang while /api/tags still answers.</summary>
public sealed class OllamaHangException(string model, TimeSpan silence)
    : OllamaException($"model '{model}' produced nothing for {silence.TotalSeconds:0.#} s: Ollama looks hung (the request was abandoned)")
{
    public string Model { get; } = model;
}
