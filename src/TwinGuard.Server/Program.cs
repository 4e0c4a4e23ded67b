using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;

OwnerOnlyFiles.ApplyUmask(); // every file any command makes is owner-only

return await TwinGuardCli.RunAsync(args);
