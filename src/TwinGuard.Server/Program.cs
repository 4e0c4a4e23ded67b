using TwinGuard.Server.Commands;

return await TwinGuardCli.RunAsync(args);
