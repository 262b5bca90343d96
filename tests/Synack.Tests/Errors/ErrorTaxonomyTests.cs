using System.Net;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Tests.Errors;

public sealed class ErrorTaxonomyTests
{
    [Theory]
    [InlineData(SocketError.ConnectionRefused, ErrorKind.Refused)]
    [InlineData(SocketError.HostUnreachable, ErrorKind.Unreachable)]
    [InlineData(SocketError.NetworkUnreachable, ErrorKind.Unreachable)]
    [InlineData(SocketError.TimedOut, ErrorKind.TimedOut)]
    [InlineData(SocketError.ConnectionReset, ErrorKind.Reset)]
    [InlineData(SocketError.Shutdown, ErrorKind.BrokenPipe)]
    [InlineData(SocketError.AddressAlreadyInUse, ErrorKind.AddressInUse)]
    [InlineData(SocketError.HostNotFound, ErrorKind.NameResolution)]
    [InlineData(SocketError.TryAgain, ErrorKind.NameResolution)]
    [InlineData(SocketError.OperationAborted, ErrorKind.Closed)]
    [InlineData(SocketError.MessageSize, ErrorKind.Other)]
    public void EachSocketErrorMapsToOneKind(SocketError error, ErrorKind kind) =>
        Assert.Equal(kind, SocketErrors.Classify(error));

    [Fact]
    public void EveryKindExceptOtherHasAdvice()
    {
        foreach (ErrorKind kind in Enum.GetValues<ErrorKind>().Where(k => k != ErrorKind.Other))
        {
            Assert.NotEqual("", SynackException.Advice(kind));
        }
    }

    [Fact]
    public void MessageNamesOperationEndpointsWhatHappenedAndWhatToDo()
    {
        var error = SocketErrors.FromSocketError(SocketError.ConnectionReset, "read",
            IPEndPoint.Parse("127.0.0.1:5000"), IPEndPoint.Parse("127.0.0.1:41234"));

        Assert.Equal("read tcp 127.0.0.1:5000->127.0.0.1:41234 : connection reset by peer "
            + "(the peer aborted the connection; data in flight may be lost; reconnect)", error.Message);
        Assert.True(error.IsConnectionLost);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void WrappingKeepsAnExistingSynackExceptionAndClassifiesNestedSocketErrors()
    {
        var original = SynackException.Protocol("bad header");
        Assert.Same(original, SocketErrors.Wrap(original, "read"));

        var nested = new IOException("stream failed", new SocketException((int)SocketError.ConnectionReset));
        Assert.Equal(ErrorKind.Reset, SocketErrors.Wrap(nested, "read").Kind);
        Assert.Equal(ErrorKind.Closed, SocketErrors.Wrap(new ObjectDisposedException("socket"), "write").Kind);
    }

    [Fact]
    public void PeerMisbehaviourKindsAreNotTransient()
    {
        Assert.True(SynackException.Limit("too big").IsPeerMisbehaving);
        Assert.False(SynackException.Limit("too big").IsTransient);
        Assert.Equal(ErrorKind.TruncatedFrame, SynackException.Truncated(3).Kind);
    }
}
