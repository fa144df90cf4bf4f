import { openPage } from "../test/browser/harness";
const p = await openPage("test/browser/kernels-page.ts");
console.log(await p.page.evaluate(() => (globalThis as any).kernels.info()));
const m=64,k=48,n=32;
const a = Float32Array.from({length:m*k},()=>Math.random());
const b = Float32Array.from({length:k*n},()=>Math.random());
for (const mode of ["webgl2","webgpu"]) for (const variant of ["naive","rows4","rows4u4"]) {
  const t0=performance.now();
  try {
  const r: any = await p.page.evaluate(([mode, spec, a, b]) => (globalThis as any).kernels.matmul(mode, spec, a, b, 2), [mode, {m,k,n,variant}, a, b] as const);
  let err=0; for (let i=0;i<m;i++) for (let j=0;j<n;j++){let s=0; for(let q=0;q<k;q++) s+=a[i*k+q]!*b[q*n+j]!; err=Math.max(err,Math.abs(s-r.c[i*n+j]));}
  console.log(mode, variant, err, r.firstMs, r.timesMs, r.c.constructor.name, performance.now()-t0);
  } catch (e) { console.log(mode, variant, "ERR", String(e).slice(0,2000)); }
}
console.log(p.errors);
await p.close();
