using System.CommandLine;
using Spectre.Console;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>bitnet-gpu devices: every backend and the devices it found.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the compute devices each backend can use");
        command.SetAction(_ => CliErrors.Run(() =>
        {
            var table = new Table().AddColumns("backend", "device", "name", "details");
            foreach (var provider in Backends.Registry.Providers)
            {
                IReadOnlyList<Engine.Backends.BackendDevice> devices;
                try { devices = provider.Devices(); }
                catch (Engine.Backends.BackendUnavailableException e) { table.AddRow(provider.Name, "-", "unavailable", Markup.Escape(e.Reason)); continue; }
                catch (Exception e) { table.AddRow(provider.Name, "-", "unavailable", Markup.Escape(e.Message)); continue; }
                if (devices.Count == 0) table.AddRow(provider.Name, "-", "none found", "");
                foreach (var d in devices)
                    table.AddRow(d.Backend, d.Index.ToString(), Markup.Escape(d.Name), Markup.Escape(d.Details));
            }
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
