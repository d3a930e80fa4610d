using System.Globalization;
using Dram.Server;

namespace Dram.Cli.Supervision;

/// <summary>
/// --pid FILE: the supervisor's pid, written at start (before the sockets are bound, as gunicorn
/// does) and removed at exit, unless by then the file names another process.
/// </summary>
internal sealed class PidFile : IDisposable
{
    private readonly string _path;
    private readonly string _content;

    private PidFile(string path, string content)
    {
        _path = path;
        _content = content;
    }

    /// <summary>Writes the file; null when no file was asked for. An unwritable path is a usage error (exit code 2).</summary>
    public static PidFile? Create(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var content = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n";
        try
        {
            File.WriteAllText(path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot write the pid file '{path}': {e.Message}");
        }

        return new PidFile(path, content);
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path) == _content)
            {
                File.Delete(_path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort at exit.
        }
    }
}
