// Micro-benchmarks: codec decode and encode per frame, and the bench client's own work per reply (MemoryDiagnoser).
//   dotnet run -c Release --project bench/Synack.Benchmarks -- --filter '*' [--job short]
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Synack.Benchmarks.CodecBenchmarks).Assembly).Run(args);
