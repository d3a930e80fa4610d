using Dram.Server;
using Microsoft.Extensions.Logging;

namespace Dram.Cli.Settings;

/// <summary>
/// Every setting dram has, each declared exactly once. Adding a setting means adding one entry
/// here: the command line, the DRAM_* environment variable, --help and docs/configuration.md
/// all follow from it (regenerate the docs with DRAM_UPDATE_DOCS=1, see ConfigurationDocsTests).
/// </summary>
internal static class SettingsCatalogue
{
    public static IReadOnlyList<Setting> All { get; } =
    [
        new Setting<string>
        {
            Name = "app",
            Kind = SettingKind.Positional,
            Type = SettingTypes.App,
            Default = "the built-in welcome app",
            DefaultSource = "Dram's own: gunicorn requires an app, but a welcome page shows the install works before any app is written.",
            Summary = "The WSGI app as MODULE:ATTRIBUTE (the attribute may be dotted); MODULE alone means MODULE:application.",
            Description = "The WSGI application to serve, written `module:attribute`, where the module is imported the usual way " +
                "(from the working directory and --pythonpath) and the attribute may be dotted (`pkg.web:app.wsgi`). " +
                "`module` alone means `module:application`, gunicorn's convention. The shape is checked before Python starts; " +
                "a module that fails to import or an attribute that is not callable makes dram exit with code 3.",
            ApplyTo = static (options, value) => options.App = value,
        },
        new Setting<bool>
        {
            Name = "factory",
            Kind = SettingKind.Flag,
            Type = SettingTypes.Boolean,
            Default = "off",
            DefaultSource = "Matches uvicorn's --factory, which is off unless given.",
            Summary = "Treat the attribute as a zero-argument factory that returns the app.",
            Description = "Call the attribute named by APP with no arguments, once at start-up, and serve what it returns. " +
                "Use this for the application-factory pattern (`create_app()`), instead of gunicorn's `module:create_app()` syntax.",
            ApplyTo = static (options, value) => options.Factory = value,
        },
        new Setting<string>
        {
            Name = "bind",
            Kind = SettingKind.List,
            ShortFlag = 'b',
            Type = SettingTypes.Bind,
            Default = DramServerOptions.DefaultBind,
            DefaultSource = "Matches gunicorn's default: only this machine can connect until you choose otherwise.",
            Summary = "Address to listen on; repeat the option to listen on several.",
            Description = "An address to listen on, as HOST:PORT. Repeat the option (or separate addresses with commas in " +
                "DRAM_BIND) to listen on several. The host is a host name, an IPv4 address, or an IPv6 address in brackets " +
                "(`[::1]:8000`); use `0.0.0.0` or `[::]` for all interfaces. Port 0 picks a free port.",
            ApplyTo = static (options, value) => options.Binds.Add(value),
        },
        new Setting<string>
        {
            Name = "chdir",
            Type = SettingTypes.ExistingDirectory,
            Default = "the current directory",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Change to this directory before loading the app; it also goes first on sys.path.",
            Description = "Change to this directory before loading the app. As in gunicorn, the directory is also put first " +
                "on `sys.path`, so modules in it can be imported. It must exist when dram starts.",
            ApplyTo = static (options, value) => options.Chdir = value,
        },
        new Setting<string>
        {
            Name = "pythonpath",
            Kind = SettingKind.List,
            EnvSeparator = ListSeparator.PathSeparator,
            Type = SettingTypes.DirectoryPath,
            Default = "none",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Add a directory to sys.path; repeat the option to add several.",
            Description = "A directory to add to `sys.path`, after the working directory. Repeat the option to add several; " +
                "in DRAM_PYTHONPATH separate them with `os.pathsep`, as in PYTHONPATH.",
            ApplyTo = static (options, value) => options.PythonPath.Add(value),
        },
        new Setting<string>
        {
            Name = "python",
            Type = SettingTypes.FilePath,
            Default = "$VIRTUAL_ENV/bin/python when VIRTUAL_ENV is set, else python3 on PATH",
            DefaultSource = "Dram's own: it picks the interpreter an activated virtual environment would, like typing `python`.",
            Summary = "The Python interpreter whose libpython to embed.",
            Description = "The Python interpreter to embed, as a path or a command on PATH. Dram asks it where its " +
                "libpython and standard library are and loads them into its own process. A missing interpreter or " +
                "libpython makes dram exit with code 2.",
            ApplyTo = static (options, value) => options.Python = value,
        },
        new Setting<int>
        {
            Name = "threads",
            Type = SettingTypes.Integer(1, 1024),
            Default = "8",
            DefaultSource = "Dram's own: one process serves every request (gunicorn's default is one thread in each of " +
                "several worker processes), so it needs several threads to overlap slow requests.",
            Summary = "Most Python threads running requests at once.",
            Description = "How many requests can run Python code at the same time. All of them share one interpreter, so " +
                "CPU-bound apps gain little from more threads, while apps that wait on databases or other services gain a lot.",
            ApplyTo = static (options, value) => options.Threads = value,
        },
        new Setting<long>
        {
            Name = "max-request-body",
            Type = SettingTypes.Size,
            Default = "1073741824",
            DefaultSource = "That is 1 GiB. Dram's own: gunicorn sets no limit and Kestrel's 30,000,000 bytes would refuse uploads that work " +
                "under gunicorn, so Dram uses a large but finite limit.",
            Summary = "Largest request body accepted; larger ones get 413.",
            Description = "The largest request body accepted, in bytes; a larger one is answered with 413 Payload Too Large " +
                "before the app sees it. Suffixes K, M, G and T (also KiB, MiB, GiB, TiB) are powers of 1024, so `10M` is " +
                "10485760 bytes.",
            ApplyTo = static (options, value) => options.MaxRequestBody = value,
        },
        new Setting<LogLevel>
        {
            Name = "log-level",
            Type = SettingTypes.Choice(
                "LEVEL",
                ("debug", LogLevel.Debug),
                ("info", LogLevel.Information),
                ("warning", LogLevel.Warning),
                ("error", LogLevel.Error),
                ("critical", LogLevel.Critical)),
            Default = "info",
            DefaultSource = "Matches gunicorn's default.",
            Summary = "Least severe messages written to the error log.",
            Description = "The least severe messages written to the error log (standard error). The names are gunicorn's " +
                "and match case-insensitively.",
            ApplyTo = static (options, value) => options.LogLevel = value,
        },
    ];
}
