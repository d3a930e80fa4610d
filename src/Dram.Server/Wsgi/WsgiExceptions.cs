namespace Dram.Server.Wsgi;

/// <summary>The app broke a PEP 3333 rule (a body before start_response, a str chunk, …).</summary>
internal sealed class InvalidResponseException : Exception
{
    public InvalidResponseException(string message) : base(message) { }

    public InvalidResponseException() { }

    public InvalidResponseException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The client went away while the response was being written.</summary>
internal sealed class ClientDisconnectedException : Exception
{
    public ClientDisconnectedException() : base("client disconnected") { }

    public ClientDisconnectedException(string message) : base(message) { }

    public ClientDisconnectedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The response is complete (Content-Length reached) and the app's remaining output is discarded.</summary>
internal sealed class ResponseCompleteException : Exception
{
    public ResponseCompleteException() : base("response complete") { }

    public ResponseCompleteException(string message) : base(message) { }

    public ResponseCompleteException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Faults a request's completion so Kestrel ends the response unfinished (no final chunk, keep-alive
/// off). Dram has already logged why; the error log does not repeat Kestrel's report of it.
/// </summary>
internal sealed class ResponseIncompleteException : Exception
{
    public ResponseIncompleteException() : base("the app failed after the response started") { }

    public ResponseIncompleteException(string message) : base(message) { }

    public ResponseIncompleteException(string message, Exception inner) : base(message, inner) { }
}
