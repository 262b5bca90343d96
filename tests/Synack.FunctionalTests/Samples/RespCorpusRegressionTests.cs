using RespServer;
using Synack.Testing.Framing;

namespace Synack.FunctionalTests.Samples;

/// <summary>Replays the RESP sample's fuzzing corpus (fuzz/corpus/resp: seeds, AFL++'s new-coverage inputs and any
/// past crashes) through its command codec on every run, under the property fuzz/run.sh checks.</summary>
public sealed class RespCorpusRegressionTests
{
    [Fact]
    public void EveryRespCorpusInputDecodesAlikeHoweverItIsSplit()
    {
        string[] inputs = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "corpus", "resp"));
        Assert.NotEmpty(inputs);

        foreach (string input in inputs)
        {
            try
            {
                DecoderFuzzing.Run("resp", () => new RespCommandCodec(), command => command.ToString(), File.ReadAllBytes(input));
            }
            catch (Exception e)
            {
                Assert.Fail($"{Path.GetFileName(input)}: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
