using System.Diagnostics;
using System.Text.Json;

namespace Dram.Python;

/// <summary>
/// What an interpreter says about itself: its real executable (a pyenv shim or a venv's symlink
/// resolves to it), version and shared library. Paths are never derived from where the command
/// lives; the interpreter is asked (research/embedding.md §4.1).
/// </summary>
public sealed record PythonInstallation(
    string Command,
    string Executable,
    string Version,
    int Major,
    int Minor,
    string? LibraryPath,
    string? LibraryName)
{
    private const string Probe =
        "import json, sys, sysconfig as s\n" +
        "d = s.get_config_var('LIBDIR') or ''\n" +
        "n = s.get_config_var('INSTSONAME') or s.get_config_var('LDLIBRARY') or ''\n" +
        "print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0],\n" +
        "  'major': sys.version_info[0], 'minor': sys.version_info[1], 'libdir': d, 'soname': n,\n" +
        "  'shared': bool(s.get_config_var('Py_ENABLE_SHARED'))}))\n";

    /// <summary>The Debian package that provides this version's shared library.</summary>
    public string DebianLibraryPackage => $"libpython{Major}.{Minor}";

    /// <summary>
    /// Runs <paramref name="command"/> (a path, or a name looked up on PATH) once and reads its answer.
    /// Throws <see cref="PythonLoadException"/> with a one-line reason on any failure.
    /// </summary>
    public static PythonInstallation Discover(string command)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // -E -s: ignore PYTHON* variables and the user site, so the answer describes the
        // installation itself (and old interpreters still understand the flags).
        start.ArgumentList.Add("-E");
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Probe);

        string output, error;
        int exitCode;
        try
        {
            using var process = Process.Start(start) ?? throw new PythonLoadException($"cannot run {command}");
            process.StandardInput.Close();
            var stderrTask = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd();
            error = stderrTask.GetAwaiter().GetResult();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                throw new PythonLoadException($"{command} did not answer within 30 s");
            }

            exitCode = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            var reason = e.NativeErrorCode switch
            {
                2 => command.Contains('/', StringComparison.Ordinal) ? "no such file" : "not found on PATH",
                13 => "permission denied",
                _ => e.Message,
            };
            throw new PythonLoadException($"cannot run Python interpreter '{command}': {reason}");
        }

        if (exitCode != 0)
        {
            var reason = error.Trim().Split('\n').LastOrDefault() ?? "";
            throw new PythonLoadException($"Python interpreter '{command}' failed (exit {exitCode}): {reason}");
        }

        try
        {
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            var libdir = root.GetProperty("libdir").GetString() ?? "";
            var soname = root.GetProperty("soname").GetString() ?? "";
            var major = root.GetProperty("major").GetInt32();
            var minor = root.GetProperty("minor").GetInt32();
            var library = FindLibrary(libdir, soname, major, minor, root.GetProperty("shared").GetBoolean());
            return new PythonInstallation(
                command,
                root.GetProperty("executable").GetString() ?? command,
                root.GetProperty("version").GetString() ?? "?",
                major,
                minor,
                library,
                soname);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new PythonLoadException($"Python interpreter '{command}' gave an unreadable answer: {e.Message}");
        }
    }

    private static string? FindLibrary(string libdir, string soname, int major, int minor, bool shared)
    {
        string[] candidates =
        [
            Path.Combine(libdir, soname),
            Path.Combine(libdir, $"libpython{major}.{minor}.so.1.0"),
            Path.Combine(libdir, $"libpython{major}.{minor}.so"),
        ];
        // A static-only build (no --enable-shared) has no .so to embed, whatever its LIBDIR holds.
        return shared ? candidates.FirstOrDefault(File.Exists) : null;
    }

    /// <summary>The oldest CPython Dram embeds: PyObject_VectorcallDict and METH_FASTCALL|METH_KEYWORDS are 3.9's.</summary>
    public static readonly Version Oldest = new(3, 9);

    /// <summary>Fails when the version is too old to embed.</summary>
    public void RequireSupportedVersion()
    {
        if (new Version(Major, Minor) < Oldest)
        {
            throw new PythonLoadException(
                $"Python {Version} at {Executable} is not supported; Dram embeds CPython {Oldest} or newer");
        }
    }

    /// <summary>Fails with the package to install when the interpreter has no shared library.</summary>
    public string RequireLibrary() =>
        LibraryPath ?? throw new PythonLoadException(
            $"Python {Version} at {Executable} has no shared library (libpython{Major}.{Minor}.so); " +
            $"install Debian package {DebianLibraryPackage}, or use an interpreter built with --enable-shared");
}
