// The AFL++ driver for the decoder fuzz targets (see fuzz/run.sh). One target per process:
//   afl-fuzz -i fuzz/corpus/line -o out -- dotnet Synack.Fuzz.dll line
// Each input goes through Synack.Testing.Framing.DecoderFuzzing.Run: a FuzzFailure or any unexpected exception is a crash.
// The library's own decoders (the PROXY header codec among them) are DecoderFuzzing.Targets; "resp" is the RESP
// sample's command codec (samples/RespServer), under the same property.
using RespServer;
using SharpFuzz;
using Synack.Testing.Framing;

string[] targets = [.. DecoderFuzzing.Targets, "resp"];
if (args.Length != 1 || !targets.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Synack.Fuzz {string.Join("|", targets)}");
    return 2;
}

string target = args[0];
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    if (target == "resp")
    {
        DecoderFuzzing.Run(target, () => new RespCommandCodec(), command => command.ToString(), input.ToArray());
    }
    else
    {
        DecoderFuzzing.Run(target, input.ToArray());
    }
});
return 0;
