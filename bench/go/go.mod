module wasmchan/bench/go

go 1.19
