using Synack.Server;

namespace Synack.Tests.Server;

/// <summary>Reading LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES as sd_listen_fds_with_names(3) does.</summary>
public sealed class SystemdSocketsTests
{
    [Fact]
    public void SocketsPassedToThisProcessStartAtDescriptorThreeAndCarryTheirNames()
    {
        Assert.Equal([new InheritedSocket(3, "web"), new InheritedSocket(4, "admin")],
            SystemdSockets.Parse("1234", "2", "web:admin", processId: 1234));
    }

    [Fact]
    public void SocketsWithoutNamesAreNamedUnknownAsSystemdSays()
    {
        Assert.Equal([new InheritedSocket(3, "unknown")], SystemdSockets.Parse("1234", "1", null, processId: 1234));
    }

    [Theory]
    [InlineData("999", "1")]   // meant for another process (a parent that did not unset them)
    [InlineData(null, "1")]    // no LISTEN_PID: sd_listen_fds returns 0
    [InlineData("1234", null)] // no LISTEN_FDS
    [InlineData("1234", "0")]
    public void NothingIsPassedWhenTheVariablesAreMissingOrForAnotherProcess(string? pid, string? fds)
    {
        Assert.Empty(SystemdSockets.Parse(pid, fds, null, processId: 1234));
    }

    [Theory]
    [InlineData("12x", "1", null, "LISTEN_PID")]
    [InlineData("1234", "-1", null, "LISTEN_FDS")]
    [InlineData("1234", "two", null, "LISTEN_FDS")]
    [InlineData("1234", "2", "only-one", "names 1 socket(s) but LISTEN_FDS is 2")]
    public void MalformedVariablesAreRefusedWithTheVariableNamed(string pid, string fds, string? names, string message)
    {
        Assert.Contains(message, Assert.Throws<FormatException>(() => SystemdSockets.Parse(pid, fds, names, processId: 1234)).Message);
    }

    [Theory]
    [InlineData("systemd:", null, null)]
    [InlineData("systemd:web", null, "web")]
    [InlineData("fd:3", 3, null)]
    [InlineData("fd:17", 17, null)]
    public void ListenAddressesNameInheritedSocketsAndShowThemTheSameWay(string text, int? descriptor, string? name)
    {
        var endPoint = Assert.IsType<InheritedEndPoint>(ListenAddress.Parse(text));
        Assert.Equal((descriptor, name), (endPoint.Descriptor, endPoint.Name));
        Assert.Equal(text, ListenAddress.Format(endPoint));
    }

    [Theory]
    [InlineData("fd:2")]
    [InlineData("fd:")]
    [InlineData("fd:x")]
    public void DescriptorsBelowThreeOrNotNumbersAreNotListenAddresses(string text)
    {
        Assert.Contains("fd:N", Assert.Throws<FormatException>(() => ListenAddress.Parse(text)).Message);
    }
}
