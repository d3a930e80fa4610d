namespace Dram.Server;

/// <summary>The process exit codes, documented in README.md.</summary>
public static class ExitCodes
{
    /// <summary>Clean stop.</summary>
    public const int Ok = 0;

    /// <summary>A failure while running (for example the port is in use).</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Usage or configuration error, a missing libpython included.</summary>
    public const int Usage = 2;

    /// <summary>The app failed to import or is not callable.</summary>
    public const int AppLoad = 3;
}

/// <summary>A start-up failure with a one-line message for the user and the exit code it maps to.</summary>
public sealed class DramStartupException : Exception
{
    public DramStartupException(int exitCode, string message, string? detail = null) : base(message)
    {
        ExitCode = exitCode;
        Detail = detail;
    }

    public DramStartupException() : this(ExitCodes.RuntimeFailure, "start-up failed") { }

    public DramStartupException(string message) : this(ExitCodes.RuntimeFailure, message) { }

    public DramStartupException(string message, Exception inner) : base(message, inner) => ExitCode = ExitCodes.RuntimeFailure;

    public int ExitCode { get; }

    /// <summary>Extra lines to print after the message (a Python traceback), or null.</summary>
    public string? Detail { get; }
}
