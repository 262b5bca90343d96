// The AFL++ driver for the decoder fuzz targets (see fuzz/run.sh). One target per process:
//   afl-fuzz -i fuzz/corpus/line -o out -- dotnet Synack.Fuzz.dll line
// Each input goes through Synack.Testing.Framing.DecoderFuzzing.Run: a FuzzFailure or any unexpected exception is a crash.
using SharpFuzz;
using Synack.Testing.Framing;

if (args.Length != 1 || !DecoderFuzzing.Targets.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Synack.Fuzz {string.Join("|", DecoderFuzzing.Targets)}");
    return 2;
}

string target = args[0];
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    DecoderFuzzing.Run(target, input.ToArray());
});
return 0;
