// The Go reference for the wasmchan benchmarks: the same scenarios with Go's own channels, timed by
// hand, every run verified. Prints JSON: {"goVersion", "results": {scenario: {samples (ns per
// message, or bytes per item), messagesPerRun, messagesVerified, note}}}.
// The same-thread scenarios run with GOMAXPROCS=1 (goroutines on one thread, like one JS thread);
// S5 uses every core. Run: GOTOOLCHAIN=local go run . [-quick]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Samples          []float64 `json:"samples"`
	MessagesPerRun   int       `json:"messagesPerRun"`
	MessagesVerified int       `json:"messagesVerified"`
	Note             string    `json:"note,omitempty"`
}

func check(cond bool, what string) {
	if !cond {
		fmt.Fprintln(os.Stderr, "verification failed:", what)
		os.Exit(1)
	}
}

func sumTo(n int) int { return n * (n - 1) / 2 }

func s1(n int) int {
	ch := make(chan int, 128)
	go func() {
		for i := 0; i < n; i++ {
			ch <- i
		}
	}()
	for i := 0; i < n; i++ {
		check(<-ch == i, "S1 FIFO")
	}
	return n
}

// s1c: S1 with the consumer started first, so every receive finds the buffer empty and parks.
func s1c(n int) int {
	ch := make(chan int, 128)
	done := make(chan bool)
	go func() {
		for i := 0; i < n; i++ {
			check(<-ch == i, "S1c FIFO")
		}
		done <- true
	}()
	runtime.Gosched() // the consumer parks first
	for i := 0; i < n; i++ {
		ch <- i
	}
	<-done
	return n
}

func s2(n int) int {
	ping, pong := make(chan int), make(chan int)
	rounds := n / 2
	go func() {
		for i := 0; i < rounds; i++ {
			pong <- (<-ping) + 1
		}
	}()
	for i := 0; i < rounds; i++ {
		ping <- i
		check(<-pong == i+1, "S2 echo")
	}
	return rounds * 2
}

func s3(n int) int {
	ch := make(chan int, 128)
	per := n / 4
	for p := 0; p < 4; p++ {
		go func(p int) {
			for i := 0; i < per; i++ {
				ch <- p*per + i
			}
		}(p)
	}
	next := [4]int{}
	sum := 0
	for i := 0; i < 4*per; i++ {
		v := <-ch
		p := v / per
		check(v-p*per == next[p], "S3 per-producer FIFO")
		next[p]++
		sum += v
	}
	check(sum == sumTo(4*per), "S3 sum")
	return 4 * per
}

func s4(n int) int {
	var cs [4]chan int
	per := n / 4
	for p := range cs {
		cs[p] = make(chan int, 32)
		go func(p int) {
			for i := 0; i < per; i++ {
				cs[p] <- p*per + i
			}
		}(p)
	}
	next := [4]int{}
	sum := 0
	for i := 0; i < 4*per; i++ {
		var v, idx int
		select {
		case v = <-cs[0]:
			idx = 0
		case v = <-cs[1]:
			idx = 1
		case v = <-cs[2]:
			idx = 2
		case v = <-cs[3]:
			idx = 3
		}
		check(v-idx*per == next[idx], "S4 per-channel FIFO")
		next[idx]++
		sum += v
	}
	check(sum == sumTo(4*per), "S4 sum")
	return 4 * per
}

func s6(n int) int {
	ch := make(chan int, 128)
	got, sum := 0, 0
	for base := 0; base < n; base += 128 {
		m := 128
		if n-base < m {
			m = n - base
		}
		for i := 0; i < m; i++ {
			select {
			case ch <- base + i:
			default:
				check(false, "S6 trySend")
			}
		}
		for i := 0; i < m; i++ {
			select {
			case v := <-ch:
				check(v == base+i, "S6 order")
				sum += v
				got++
			default:
				check(false, "S6 tryRecv")
			}
		}
	}
	check(got == n && sum == sumTo(n), "S6 sum")
	return n
}

func mk(n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		ch := make(chan int, 1)
		ch <- i
		sum += <-ch
	}
	check(sum == sumTo(n), "make sum")
	return n
}

// S5: producers → consumers over one chan(1024) of int32, all cores.
func s5(total, producers, consumers int) int {
	ch := make(chan int32, 1024)
	per := total / producers
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				ch <- int32(p*per + i)
			}
		}(p)
	}
	go func() { wg.Wait(); close(ch) }()
	type tally struct {
		count, sum int
		ok         bool
	}
	out := make(chan tally)
	for c := 0; c < consumers; c++ {
		go func() {
			last := make([]int, producers)
			for i := range last {
				last[i] = -1
			}
			t := tally{ok: true}
			for v32 := range ch {
				v := int(v32)
				p := v / per
				if v <= last[p] {
					t.ok = false
				}
				last[p] = v
				t.count++
				t.sum += v
			}
			out <- t
		}()
	}
	count, sum := 0, 0
	for c := 0; c < consumers; c++ {
		t := <-out
		check(t.ok, "S5 per-producer order")
		count += t.count
		sum += t.sum
	}
	check(count == per*producers && sum == sumTo(per*producers), "S5 count/sum")
	return count
}

// busy runs f while k goroutines burn CPU.
func busy(k int, f func() int) int {
	var stop int32
	var wg sync.WaitGroup
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := int32(1)
			for atomic.LoadInt32(&stop) == 0 {
				for j := 0; j < 100000; j++ {
					x = x*1103515245 + 12345
				}
			}
			atomic.AddInt64(&sinkInt, int64(x))
		}()
	}
	n := f()
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	return n
}

var sinkInt int64

var sink []chan int

func memChan(n int) (float64, int) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	sink = make([]chan int, n)
	for i := range sink {
		sink[i] = make(chan int, 16)
	}
	runtime.GC()
	runtime.ReadMemStats(&b)
	per := float64(int64(b.HeapAlloc)-int64(a.HeapAlloc)) / float64(n)
	for i, ch := range sink {
		ch <- i
		check(<-ch == i, "mem-chan use")
	}
	sink = nil
	return per, n
}

func memRecv(n int) (float64, int) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	ch := make(chan int)
	got := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			started.Done()
			got[i] = <-ch
			wg.Done()
		}(i)
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let them all park
	runtime.GC()
	runtime.ReadMemStats(&b)
	used := (int64(b.HeapAlloc) + int64(b.StackInuse)) - (int64(a.HeapAlloc) + int64(a.StackInuse))
	for i := 0; i < n; i++ {
		ch <- i
	}
	wg.Wait()
	seen := make([]bool, n)
	for _, v := range got {
		check(!seen[v], "mem-recv duplicate")
		seen[v] = true
	}
	return float64(used) / float64(n), n
}

func timed(name string, f func(int) int, n, runs int, res map[string]result, note string) {
	f(n / 10) // warm-up
	r := result{Note: note}
	for i := 0; i < runs; i++ {
		t0 := time.Now()
		m := f(n)
		r.Samples = append(r.Samples, float64(time.Since(t0).Nanoseconds())/float64(m))
		r.MessagesPerRun = m
		r.MessagesVerified += m
	}
	res[name] = r
}

func main() {
	quick := flag.Bool("quick", false, "small counts")
	flag.Parse()
	scale := 1
	runs := 15
	if *quick {
		scale = 20
		runs = 3
	}
	res := map[string]result{}
	procs := runtime.GOMAXPROCS(1)
	st := "GOMAXPROCS=1"
	timed("S1", s1, 1_000_000/scale, runs, res, st)
	timed("S1c", s1c, 1_000_000/scale, runs, res, st)
	timed("S2", s2, 500_000/scale, runs, res, st)
	timed("S3", s3, 1_000_000/scale, runs, res, st)
	timed("S4", s4, 800_000/scale, runs, res, st)
	timed("S6", s6, 10_000_000/scale, runs, res, st+"; select with default")
	timed("make", mk, 1_000_000/scale, runs, res, st)
	for _, m := range []struct {
		name string
		f    func(int) (float64, int)
		note string
	}{{"mem-chan", memChan, "make(chan int, 16): runtime.MemStats HeapAlloc"}, {"mem-recv", memRecv, "a goroutine blocked in <-ch: HeapAlloc + StackInuse (its stack included)"}} {
		r := result{Note: m.note}
		n := 20000 / scale * 2
		m.f(n)
		for i := 0; i < 5; i++ {
			v, k := m.f(n)
			r.Samples = append(r.Samples, v)
			r.MessagesPerRun = k
			r.MessagesVerified += k
		}
		res[m.name] = r
	}
	runtime.GOMAXPROCS(procs)
	mp := fmt.Sprintf("GOMAXPROCS=%d", procs)
	timed("S5-1:1", func(n int) int { return s5(n, 1, 1) }, 250_000/scale, 5, res, mp+"; goroutine → main goroutine, chan int32 (1024)")
	timed("S5-4:4", func(n int) int { return s5(n, 4, 4) }, 200_000/scale, 5, res, mp+"; 4 → 4 goroutines, one chan int32 (1024)")
	// S5-busy: one CPU-bound OS thread per core alongside, as the JS threads of bench/scenarios/workers.mjs:
	// GOMAXPROCS doubled so that the busy goroutines take threads of their own, not the channel's.
	runtime.GOMAXPROCS(2 * procs)
	timed("S5-busy", func(n int) int { return busy(procs, func() int { return s5(n, 1, 1) }) }, 250_000/scale, 5, res,
		fmt.Sprintf("GOMAXPROCS=%d with %d CPU-bound goroutines alongside; goroutine → main goroutine, chan int32 (1024)", 2*procs, procs))
	runtime.GOMAXPROCS(procs)
	out, _ := json.Marshal(map[string]interface{}{"goVersion": runtime.Version(), "results": res})
	fmt.Println(string(out))
}
