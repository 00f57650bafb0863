// Preloaded into the server by `ALLOCATIONS=1 npm run bench:profile`: V8's sampling heap profiler,
// counting what is allocated (objects the garbage collector freed included) between two moments
// the benchmark marks by creating files: `<HEAP_SAMPLER>.start` and `<HEAP_SAMPLER>.stop`. The
// profile is written to `<HEAP_SAMPLER>.heapprofile` (open it in Chrome DevTools → Memory).
const inspector = require('node:inspector');
const fs = require('node:fs');

const base = process.env.HEAP_SAMPLER;
if (base) {
  const session = new inspector.Session();
  session.connect();
  let state = 'waiting';
  const poll = setInterval(() => {
    if (state === 'waiting' && fs.existsSync(`${base}.start`)) {
      state = 'sampling';
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    } else if (state === 'sampling' && fs.existsSync(`${base}.stop`)) {
      state = 'done';
      clearInterval(poll);
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error) fs.writeFileSync(`${base}.heapprofile`, JSON.stringify(result.profile));
      });
    }
  }, 100);
  poll.unref();
}
