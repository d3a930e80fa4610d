using Microsoft.Extensions.Logging;

namespace Dram.Server;

/// <summary>
/// Everything the server needs to run an app. The command line builds one of these from the
/// settings catalogue (src/Dram/Settings); an ASP.NET Core host can build one in code.
/// Defaults are documented where the catalogue declares them.
/// </summary>
public sealed class DramServerOptions
{
    public const string DefaultBind = "127.0.0.1:8000";

    /// <summary><c>module:attribute</c> (attribute may be dotted) or <c>module</c> (meaning <c>module:application</c>); null serves the built-in welcome app.</summary>
    public string? App { get; set; }

    /// <summary>The attribute is a zero-argument factory that returns the app.</summary>
    public bool Factory { get; set; }

    /// <summary>HOST:PORT addresses to listen on; empty means <see cref="DefaultBind"/>. Port 0 picks a free port.</summary>
    public IList<string> Binds { get; } = [];

    /// <summary>Working directory, also put first on sys.path (as gunicorn does). Null: the current directory.</summary>
    public string? Chdir { get; set; }

    /// <summary>Directories added to sys.path after the working directory.</summary>
    public IList<string> PythonPath { get; } = [];

    /// <summary>The interpreter to embed; null means $VIRTUAL_ENV/bin/python when set, else python3 on PATH.</summary>
    public string? Python { get; set; }

    /// <summary>Most Python threads in this process.</summary>
    public int Threads { get; set; } = 8;

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    public long MaxRequestBody { get; set; } = 1L << 30;

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>Where the error log goes; null means standard error.</summary>
    public TextWriter? ErrorLog { get; set; }
}
