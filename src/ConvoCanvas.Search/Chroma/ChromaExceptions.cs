using System.Net;

namespace ConvoCanvas.Search.Chroma;

/// <summary>
/// A ChromaDB request failed. <see cref="StatusCode"/> is the HTTP status when the server
/// answered; <see cref="ServerError"/> and <see cref="ServerMessage"/> are what it said.
/// </summary>
public class ChromaException : Exception
{
    public ChromaException(string message, string operation, HttpStatusCode? statusCode = null,
        string? serverError = null, string? serverMessage = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Operation = operation;
        StatusCode = statusCode;
        ServerError = serverError;
        ServerMessage = serverMessage;
    }

    /// <summary>What the client was doing, with its subject: <c>upsert into collection 3f2…</c>.</summary>
    public string Operation { get; }

    public HttpStatusCode? StatusCode { get; }

    /// <summary>The server's error type (<c>InvalidArgumentError</c>, <c>NotFoundError</c>), when it sent JSON.</summary>
    public string? ServerError { get; }

    /// <summary>The server's message, or its plain-text body.</summary>
    public string? ServerMessage { get; }
}

/// <summary>400 or 422: the request is wrong (a dimension mismatch, an invalid where clause, a bad metadata value).</summary>
public sealed class ChromaBadRequestException(string message, string operation, HttpStatusCode statusCode, string? serverError, string? serverMessage)
    : ChromaException(message, operation, statusCode, serverError, serverMessage);

/// <summary>404: the collection (or tenant, database) does not exist.</summary>
public sealed class ChromaNotFoundException(string message, string operation, string? serverError, string? serverMessage)
    : ChromaException(message, operation, HttpStatusCode.NotFound, serverError, serverMessage);

/// <summary>409: the collection already exists.</summary>
public sealed class ChromaConflictException(string message, string operation, string? serverError, string? serverMessage)
    : ChromaException(message, operation, HttpStatusCode.Conflict, serverError, serverMessage);

/// <summary>413: the request body was too large for the server; lower <see cref="ChromaClientOptions.MaxRequestBytes"/>.</summary>
public sealed class ChromaPayloadTooLargeException(string message, string operation, string? serverError, string? serverMessage)
    : ChromaException(message, operation, HttpStatusCode.RequestEntityTooLarge, serverError, serverMessage);

/// <summary>
/// The server could not be reached, did not answer in time, or kept answering 502/503/504,
/// after every retry. Nothing was changed as far as the client knows; trying later may work.
/// </summary>
public sealed class ChromaUnavailableException(string message, string operation, HttpStatusCode? statusCode, Exception? innerException)
    : ChromaException(message, operation, statusCode, innerException: innerException);
