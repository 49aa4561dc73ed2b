using BitNet.Gpu.Engine.Generation;
using BitNet.Gpu.Model;

namespace BitNet.Gpu.Cli.Commands;

/// <summary>Turns the errors users can cause into one clear line on stderr and an exit code, never a stack trace.</summary>
public static class CliErrors
{
    public const int Usage = 1;
    public const int BadInput = 2;
    public const int Failure = 3;

    /// <summary>Runs a verb's body, mapping known exceptions to exit codes.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            return Fail(Usage, e.Message);
        }
        catch (ArgumentException e) when (e.ParamName is not null && e.Message.Contains("--"))
        {
            return Fail(Usage, e.Message.Split(" (Parameter")[0]);
        }
        catch (NonFiniteLogitsException e)
        {
            return Fail(Failure, e.Message);
        }
        catch (ModelFormatException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (FileNotFoundException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (DirectoryNotFoundException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (IOException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (OperationCanceledException)
        {
            return Fail(Failure, "cancelled");
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("BITNET_DEBUG") is null)
        {
            return Fail(Failure, $"{e.Message} ({e.GetType().Name}; set BITNET_DEBUG=1 for details)");
        }
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"bitnet-gpu: error: {message}");
        return code;
    }
}

/// <summary>A bad option value or combination, reported as a usage error.</summary>
public sealed class UsageException(string message) : Exception(message);
