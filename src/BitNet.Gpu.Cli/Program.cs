namespace BitNet.Gpu.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("bitnet-gpu: no verbs yet");
        return 2;
    }
}
