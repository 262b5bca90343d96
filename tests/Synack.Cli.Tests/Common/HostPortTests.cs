using Synack.Cli.Common;

namespace Synack.Cli.Tests.Common;

public sealed class HostPortTests
{
    [Theory]
    [InlineData("localhost:7007", "localhost", 7007)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("[::1]:65535", "::1", 65535)]
    [InlineData("[fe80::1%lo]:22", "fe80::1%lo", 22)]
    public void WellFormedEndpointsParseIntoHostAndPort(string text, string host, int port)
    {
        Assert.Equal(new HostPort(host, port), HostPort.Parse(text));
    }

    [Fact]
    public void IPv6HostsAreShownInBrackets()
    {
        Assert.Equal("[::1]:7", new HostPort("::1", 7).ToString());
        Assert.Equal("example.com:7", new HostPort("example.com", 7).ToString());
    }

    [Fact]
    public void OnlyAddressLiteralsStarAndLocalhostCanBeListenedOn()
    {
        Assert.Equal("[::]:7", HostPort.ParseListen("*:7").ToString());
        Assert.Equal("127.0.0.1:7", HostPort.ParseListen("localhost:7").ToString());
        Assert.Equal("[::1]:7", HostPort.Show(HostPort.ParseListen("[::1]:7")));
        Assert.Throws<UsageException>(() => HostPort.ParseListen("example.com:7"));
        Assert.Throws<UsageException>(() => HostPort.ParseListen("::1:7"));
    }

    [Fact]
    public void UnixPathArgumentsNameUnixSocketsForListenAndConnectAndShowTheSameWay()
    {
        var listen = Assert.IsType<System.Net.Sockets.UnixDomainSocketEndPoint>(HostPort.ParseListen("unix:/run/app.sock"));
        Assert.Equal("/run/app.sock", listen.ToString());
        Assert.Equal("unix:/run/app.sock", HostPort.Show(HostPort.ParseConnect("unix:/run/app.sock")));
        Assert.Equal("example.com:7", HostPort.Show(HostPort.ParseConnect("example.com:7")));
        Assert.Throws<UsageException>(() => HostPort.ParseListen("unix:"));
        Assert.Throws<UsageException>(() => HostPort.ParseConnect("unix:/" + new string('a', 120)));
        Assert.Throws<UsageException>(() => HostPort.ParseConnect("localhost:0"));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1500)]
    public void DurationsAcceptMillisecondsSecondsMinutesAndBareSeconds(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "--x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("5 s")]
    [InlineData("25h")]
    public void MalformedOrHugeDurationsAreUsageErrors(string text)
    {
        var error = Assert.Throws<UsageException>(() => Durations.Parse(text, "--timeout"));
        Assert.StartsWith("--timeout: ", error.Message);
    }

    [Fact]
    public void EachClassicConnectFailureHasItsOwnExitCode()
    {
        var codes = new[] { Errors.ErrorKind.Refused, Errors.ErrorKind.TimedOut, Errors.ErrorKind.Reset, Errors.ErrorKind.NameResolution, Errors.ErrorKind.Unreachable }
            .Select(ExitCodes.For).ToArray();

        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.DoesNotContain(ExitCode.Ok, codes);
        Assert.DoesNotContain(ExitCode.Failure, codes);
        Assert.DoesNotContain(ExitCode.Usage, codes);
    }
}
