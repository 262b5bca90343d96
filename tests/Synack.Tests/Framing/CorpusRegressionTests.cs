namespace Synack.Tests.Framing;

/// <summary>Replays the fuzzing corpus (fuzz/corpus: seeds, AFL++'s new-coverage inputs and any past crashes) on every run.</summary>
public sealed class CorpusRegressionTests
{
    public static TheoryData<string> Targets => new(DecoderFuzzing.Targets);

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryCorpusInputKeepsTheFuzzingPropertyForItsDecoder(string target)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "corpus", target);
        string[] inputs = Directory.GetFiles(folder);
        Assert.NotEmpty(inputs);

        foreach (string input in inputs)
        {
            try
            {
                DecoderFuzzing.Run(target, File.ReadAllBytes(input));
            }
            catch (Exception e)
            {
                Assert.Fail($"{Path.GetFileName(input)}: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
