using Microsoft.Extensions.Logging;

namespace Dram.Cli.Supervision;

/// <summary>
/// --reload (development): a change to a .py file under the app's directories asks for the same
/// rolling restart as SIGHUP. Editors save in bursts (write, rename, touch), so changes are
/// gathered for <see cref="Quiet"/> and restart once.
/// </summary>
internal sealed class ReloadWatcher : IDisposable
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private readonly ILogger _log;
    private string _changed = "";

    public ReloadWatcher(IEnumerable<string> directories, ILogger log, Action reload)
    {
        _log = log;
        _debounce = new Timer(_ =>
        {
            SupervisorLog.ReloadingOnChange(_log, Volatile.Read(ref _changed));
            reload();
        });
        foreach (var directory in directories.Where(Directory.Exists).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(directory, "*.py")
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Deleted += OnChange;
            watcher.Renamed += OnChange;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        Volatile.Write(ref _changed, e.FullPath);
        _debounce.Change(Quiet, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _watchers.ForEach(w => w.Dispose());
        _debounce.Dispose();
    }
}
