using Dram.Cli;

return await CliApp.RunAsync(args, ProcessEnvironment.Read(), Console.Out, Console.Error).ConfigureAwait(false);
