using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Samples;

/// <summary>The RESP sample's commands beyond SET and GET, against the real redis-cli and redis-benchmark.</summary>
public sealed class RespServerCommandTests
{
    [Fact]
    public Task RedisCliIncrementsCountersAndRefusesToIncrementWhatIsNotAnInteger() => RespSample.WithServerAsync(async port =>
    {
        await RespSample.ExpectAsync(
            port,
            ("INCR visits", "1\n"),
            ("INCR visits", "2\n"),
            ("SET big 9223372036854775806", "OK\n"),
            ("INCR big", "9223372036854775807\n"),
            ("INCR big", "ERR value is not an integer or out of range"),
            ("SET word hello", "OK\n"),
            ("INCR word", "ERR value is not an integer or out of range"),
            ("GET word", "hello\n"));
    }, RespSample.RedisCli);

    [Fact]
    public Task RedisCliPushesAndPopsAtBothEndsOfAListAndReadsItsRanges() => RespSample.WithServerAsync(async port =>
    {
        await RespSample.ExpectAsync(
            port,
            ("LPUSH queue b a", "2\n"), // a b
            ("RPUSH queue c d", "4\n"), // a b c d
            ("LRANGE queue 0 -1", "a\nb\nc\nd\n"),
            ("LRANGE queue 1 -2", "b\nc\n"),
            ("LRANGE queue 7 9", "\n"), // an empty array: an empty line
            ("LPOP queue", "a\n"),
            ("RPOP queue", "d\n"),
            ("LPOP queue", "b\n"),
            ("LPOP queue", "c\n"),
            ("RPOP queue", "\n"), // nil: the emptied list is gone
            ("SET queue now-a-string", "OK\n"));
    }, RespSample.RedisCli);

    [Fact]
    public Task RedisCliSetsManyKeysWithMsetAndFillsSetsAndHashes() => RespSample.WithServerAsync(async port =>
    {
        await RespSample.ExpectAsync(
            port,
            ("MSET k1 one k2 two k1 uno", "OK\n"),
            ("GET k1", "uno\n"),
            ("GET k2", "two\n"),
            ("MSET k1", "ERR wrong number of arguments for 'mset' command"));

        await RespSample.ExpectAsync(port, ("SADD colours red blue red", "2\n"));
        string popped = await RespSample.RedisCliAsync(port, "SPOP colours");
        Assert.Contains(popped, new[] { "red\n", "blue\n" });
        Assert.Equal(popped == "red\n" ? "blue\n" : "red\n", await RespSample.RedisCliAsync(port, "SPOP colours"));
        await RespSample.ExpectAsync(port, ("SPOP colours", "\n"));

        await RespSample.ExpectAsync(
            port,
            ("HSET user name ada lang en", "2\n"),
            ("HSET user name grace", "0\n"),
            ("HGET user name", "grace\n"),
            ("HGET user age", "\n"));
    }, RespSample.RedisCli);

    [Fact]
    public Task AKeyOfOneTypeAnswersWrongTypeAndAbsentCommandsAnErrorWhileTheConnectionCarriesOn() => RespSample.WithServerAsync(async port =>
    {
        // One connection (--pipe): each error is a reply, and the commands after it are still answered.
        string pipe = "RPUSH list x\r\nGET list\r\nINCR list\r\nSADD list m\r\nZADD z 1 m\r\nSET k v EX 10\r\nLRANGE list a b\r\nPING\r\n";
        string report = await RespSample.RedisCliAsync(port, "--pipe", pipe);
        Assert.Contains("errors: 6, replies: 8", report);

        string wrong = await RespSample.RedisCliAsync(port, "GET list");
        Assert.Contains("WRONGTYPE Operation against a key holding the wrong kind of value", wrong);
        await RespSample.ExpectAsync(
            port,
            ("ZADD z 1 m", "ERR unknown command 'ZADD'"),
            ("SET k v EX 10", "ERR wrong number of arguments for 'set' command"));
    }, RespSample.RedisCli);

    [Fact]
    public Task RedisBenchmarkRunsItsStringListAndMsetTestsWithoutAnErrorAndFiftyClientsCountExactly() => RespSample.WithServerAsync(async port =>
    {
        string report = await RespSample.RunAsync(RespSample.RedisBenchmark, $"-h 127.0.0.1 -p {port} -t set,get,incr,lpush,rpush,lpop,rpop,mset -n 2000 -q");

        Assert.DoesNotContain("Error", report);
        foreach (string test in new[] { "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "MSET (10 keys)" })
        {
            Assert.Contains($"\n{test}: ", report.Replace('\r', '\n'));
        }

        // Without -r every INCR hits one key, from 50 connections spread over the loop threads: none may be lost.
        await RespSample.ExpectAsync(
            port,
            ("GET counter:__rand_int__", "2000\n"),
            ("LRANGE mylist 0 -1", "\n")); // 4,000 pushed, 4,000 popped
    }, RespSample.RedisBenchmark, RespSample.RedisCli);
}
