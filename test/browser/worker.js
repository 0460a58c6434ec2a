// A Web Worker: attaches the page's shared channel and sends its range, mixing blocking and async sends.
import { attach } from "../../dist/index.js";

self.onmessage = async ({ data }) => {
  const ch = await attach(data.ch);
  for (let v = data.from; v < data.to; v++) {
    if (v % 2 === 0) ch.sendSync(v);
    else await ch.send(v);
  }
};
