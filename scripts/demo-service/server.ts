// A small stand-in for the Genesis service: serves the seed's metrics (operations, errors,
// component latencies, host resources) with live values, so the demo monitor judges real data.
// DEMO_FAULT=latency|errors|down makes it misbehave, to watch an incident open and escalate.
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DemoService {
  url: string;
  close(): Promise<void>;
}

export async function startDemoService(port: number, fault = process.env.DEMO_FAULT ?? ''): Promise<DemoService> {
  const registry = new Registry();
  const operations = new Histogram({
    name: 'genesis_operation_duration_seconds',
    help: 'Operation time',
    labelNames: ['operation'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const component = (name: string, help: string) =>
    new Histogram({ name, help, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] });
  const htdag = component('genesis_htdag_decomposition_duration_seconds', 'HTDAG decomposition time');
  const halo = component('genesis_halo_routing_duration_seconds', 'HALO routing time');
  const aop = component('genesis_aop_validation_duration_seconds', 'AOP validation time');
  const errors = new Counter({ name: 'genesis_errors_total', help: 'Errors by category', labelNames: ['category'], registers: [registry] });
  const uptime = new Gauge({ name: 'genesis_service_uptime_seconds', help: 'Continuous uptime', registers: [registry] });
  const cpu = new Counter({ name: 'node_cpu_seconds_total', help: 'CPU time by mode', labelNames: ['cpu', 'mode'], registers: [registry] });
  const memTotal = new Gauge({ name: 'node_memory_MemTotal_bytes', help: 'Memory', registers: [registry] });
  const memAvailable = new Gauge({ name: 'node_memory_MemAvailable_bytes', help: 'Available memory', registers: [registry] });
  const fsSize = new Gauge({ name: 'node_filesystem_size_bytes', help: 'Filesystem size', labelNames: ['mountpoint', 'fstype'], registers: [registry] });
  const fsAvail = new Gauge({ name: 'node_filesystem_avail_bytes', help: 'Filesystem free', labelNames: ['mountpoint', 'fstype'], registers: [registry] });
  const diskIo = new Counter({ name: 'node_disk_io_time_seconds_total', help: 'Disk I/O time', labelNames: ['device'], registers: [registry] });

  const started = Date.now();
  memTotal.set(16 * 2 ** 30);
  fsSize.set({ mountpoint: '/', fstype: 'ext4' }, 200 * 2 ** 30);
  const jitter = (base: number, spread: number) => base * (1 + (Math.random() - 0.5) * spread);

  // One tick a second: ~7.6 operations (the seed's baseline throughput) and the host's counters.
  const tick = setInterval(() => {
    const slow = fault === 'latency' ? 3 : 1;
    for (let i = 0; i < 7 + (Math.random() < 0.6 ? 1 : 0); i++) {
      htdag.observe(jitter(0.06, 0.4) * slow);
      halo.observe(jitter(0.03, 0.4) * slow);
      aop.observe(jitter(0.015, 0.4) * slow);
      operations.observe({ operation: 'orchestrate' }, jitter(0.11, 0.5) * slow);
      if (fault === 'errors' && Math.random() < 0.05) errors.inc({ category: 'routing' });
    }
    for (const c of ['0', '1']) {
      cpu.inc({ cpu: c, mode: 'idle' }, jitter(0.65, 0.1));
      cpu.inc({ cpu: c, mode: 'user' }, jitter(0.3, 0.1));
      cpu.inc({ cpu: c, mode: 'system' }, jitter(0.05, 0.1));
    }
    diskIo.inc({ device: 'vda' }, jitter(0.02, 0.5));
    memAvailable.set(jitter(0.55, 0.02) * 16 * 2 ** 30);
    fsAvail.set({ mountpoint: '/', fstype: 'ext4' }, 0.5 * 200 * 2 ** 30);
    uptime.set((Date.now() - started) / 1000);
  }, 1000);

  const server = createServer((req, res) => {
    // DEMO_FAULT=down: the scrape fails, so Prometheus records up == 0.
    if (req.url !== '/metrics' || fault === 'down') {
      res.writeHead(fault === 'down' ? 503 : 404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`demo service: port ${port}: ${err.message} (set DEMO_SERVICE_PORT)`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      clearInterval(tick);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
