// Codec micro-benchmarks: decode and encode throughput per frame and allocations (MemoryDiagnoser).
//   dotnet run -c Release --project bench/Synack.Benchmarks -- --filter '*' [--job short]
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Synack.Benchmarks.CodecBenchmarks).Assembly).Run(args);
