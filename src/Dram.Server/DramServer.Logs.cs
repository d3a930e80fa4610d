using Dram.Server.Logging;

namespace Dram.Server;

public sealed partial class DramServer
{
    /// <summary>
    /// Opens the error log and access log files of this process again by their paths (SIGUSR1 in
    /// the dram command): after logrotate renames a file, the old file keeps the lines written
    /// before this call and a new file gets those after. Lines go to standard error or standard
    /// output are not affected. Safe to call from any thread.
    /// </summary>
    public static void ReopenLogFiles()
    {
        var failures = LogFile.ReopenAll();
        if (s_appOutput?.CreateLogger("dram") is not { } logger)
        {
            return;
        }

        foreach (var failure in failures)
        {
            Log.LogFileReopenFailed(logger, failure);
        }

        Log.LogFilesReopened(logger);
    }
}
