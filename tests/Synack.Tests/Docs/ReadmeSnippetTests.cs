namespace Synack.Tests.Docs;

/// <summary>Every C# block a reader may copy from the README or a package README compiles against the packages.</summary>
public sealed class ReadmeSnippetTests
{
    public static TheoryData<string> Documents => ["README.md", "src/Synack/PACKAGE.md", "src/Synack.Hosting/PACKAGE.md", "src/Synack.Testing/PACKAGE.md"];

    public static TheoryData<string> Packages => ["src/Synack", "src/Synack.Hosting", "src/Synack.Testing", "src/Synack.Cli"];

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryCSharpBlockCompilesAsAConsoleApp(string document)
    {
        var blocks = SnippetCompiler.CSharpBlocks(File.ReadAllText(Path.Combine(RepositoryRoot(), document)));

        Assert.NotEmpty(blocks); // an extractor that finds nothing must not pass
        var failures = blocks
            .Select(b => (b.Line, Problems: SnippetCompiler.Problems(b.Code)))
            .Where(b => b.Problems.Count > 0)
            .Select(b => $"{document}, block at line {b.Line}:\n  " + string.Join("\n  ", b.Problems));
        Assert.True(!failures.Any(), string.Join("\n", failures));
    }

    [Fact]
    public void TheReadmeHasAllItsBlocksCheckedNotJustSome()
    {
        // The README's blocks at the time of writing: a server, an inline handler, a client, a framed client, a hosted server.
        Assert.True(SnippetCompiler.CSharpBlocks(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"))).Count >= 5);
    }

    [Fact]
    public void ABrokenSnippetIsReportedWithItsLineAndError()
    {
        // What the test above would say if a block lost a using: proof that it can fail.
        IReadOnlyList<string> problems = SnippetCompiler.Problems("var codec = new LengthFieldCodec();\n");

        Assert.Contains(problems, p => p.StartsWith("(1,17): CS0246", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void EachPackageHasAReadmeOfItsOwnThatStartsWithHowToInstallIt(string project)
    {
        string root = RepositoryRoot();
        string[] lines = File.ReadAllLines(Path.Combine(root, project, "PACKAGE.md"));
        string id = Path.GetFileName(project);

        Assert.Equal($"# {id}", lines[0].Split(':')[0]);
        string install = lines.SkipWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Skip(1).First();
        Assert.Matches($@"^dotnet (add package|tool install --global) {System.Text.RegularExpressions.Regex.Escape(id)}$", install);
        // nothing that only a clone has: no relative links into the repository, no "from a fresh clone"
        string text = string.Join('\n', lines);
        Assert.DoesNotMatch(@"\]\((?!https?://)[^)]+\)", text);
        Assert.DoesNotContain("fresh clone", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<PackageReadmeFile>PACKAGE.md</PackageReadmeFile>", File.ReadAllText(Path.Combine(root, "src", "Directory.Build.props")));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Synack.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Synack.slnx above " + AppContext.BaseDirectory);
    }
}
