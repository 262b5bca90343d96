using System.Text.RegularExpressions;
using Synack.Server;

namespace Synack.Tests.Docs;

/// <summary>What the prose says about defaults and names, checked against the code it describes.</summary>
public sealed class DocsAgreeWithCodeTests
{
    private static readonly string Root = ReadmeSnippetTests.RepositoryRoot();

    private static string Read(string path) => File.ReadAllText(Path.Combine(Root, path));

    [Fact]
    public void LimitsNamesTheDefaultTransportTheCodeHas()
    {
        Match row = Regex.Match(Read("docs/limits.md"), @"^\| `ServerOptions\.Transport` \| `(\w+)`", RegexOptions.Multiline);

        Assert.True(row.Success, "docs/limits.md has no ServerOptions.Transport row");
        // SYNACK_TRANSPORT overrides the default (CI sets it for some runs); without it the code's default is what counts.
        SynackTransport expected = Environment.GetEnvironmentVariable("SYNACK_TRANSPORT") is null ? new ServerOptions().Transport : SynackTransport.Auto;
        Assert.Equal(expected.ToString(), row.Groups[1].Value);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/limits.md")]
    [InlineData("docs/benchmarks.md")]
    [InlineData("src/Synack.Hosting/SynackServiceCollectionExtensions.cs")]
    public void NoDocumentCallsSocketsTheDefaultOrAsksForEpollToGetTheInlineFastPath(string path)
    {
        string text = Read(path);

        Assert.DoesNotMatch(@"(?i)default sockets transport|`Sockets` \(env", text);
        Assert.DoesNotContain("\"Transport\": \"Epoll\"", text); // under Auto an inline handler gets epoll unasked
    }

    [Fact]
    public void TheReadmeNamesTheInterfaceAddTcpServerTakes()
    {
        string readme = Read("README.md");
        string source = Read("src/Synack.Hosting/SynackServiceCollectionExtensions.cs");

        Assert.Contains("where THandler : class, ITcpConnectionHandler", source);
        Assert.Matches(@"AddTcpServer<THandler>[^|\n]*`ITcpConnectionHandler`", readme);
    }
}
