/**
 * Graft's benchmark suite, run by {@code graft bench}; results and commands are in BENCHMARKS.md, the PyTorch
 * reference for the same workloads is {@code tools/reference/bench_reference.py}.
 */
package dev.graft.examples.bench;
