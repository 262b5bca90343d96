using Microsoft.Extensions.Configuration;
using Synack.Connections;
using Synack.Hosting;
using Synack.Server;

namespace Synack.FunctionalTests.Hosting;

/// <summary>The minimum data rates from configuration: a <see cref="DataRate"/> has no setters, so it is built from its section.</summary>
public sealed class DataRateConfigurationTests
{
    private static ServerOptions Bind(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new ServerOptions();
        ServerConfiguration.Bind(configuration.GetSection("Synack:Servers:Echo"), options);
        return options;
    }

    [Fact]
    public void MinimumDataRatesFromConfigurationReplaceTheDefaultsKeyByKey()
    {
        ServerOptions options = Bind(new()
        {
            ["Synack:Servers:Echo:Connection:MinSendRate:BytesPerSecond"] = "4096",
            ["Synack:Servers:Echo:Connection:MinSendRate:Grace"] = "00:00:01",
            ["Synack:Servers:Echo:Connection:MinReceiveRate:Grace"] = "00:00:02",
        });

        Assert.Equal(new DataRate(4096, TimeSpan.FromSeconds(1)), options.Connection.MinSendRate);
        Assert.Equal(new DataRate(240, TimeSpan.FromSeconds(2)), options.Connection.MinReceiveRate); // the default's rate, the configured grace
    }

    [Theory]
    [InlineData("MinSendRate:BytesPerSecond", "0", "'Synack:Servers:Echo:Connection:MinSendRate'")]
    [InlineData("MinSendRate:Grace", "soon", "soon")]
    [InlineData("MinReceiveRate:BytesPerSecnod", "10", "BytesPerSecnod")]
    public void ABadDataRateSettingFailsWithTheSectionAndTheReason(string key, string value, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(new() { ["Synack:Servers:Echo:Connection:" + key] = value }));
        Assert.Contains("configuration 'Synack:Servers:Echo'", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
