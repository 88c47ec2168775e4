// Pictures for the browser tests, made here: CIFAR-10 test images from the prepared files, and
// an uncompressed 24-bit BMP (every browser decodes it; no encoder needed).
import { readFileSync } from 'node:fs';

const TEST_BATCH = new URL('../../data/cifar-10-batches-bin/test_batch.bin', import.meta.url);
const SIDE = 32, RECORD = 1 + 3 * SIDE * SIDE;

// Test image i as NHWC RGB bytes (the file stores a label byte, then the R, G and B planes).
export function testImage(i) {
  const record = readFileSync(TEST_BATCH).subarray(i * RECORD, (i + 1) * RECORD);
  const rgb = new Uint8Array(3 * SIDE * SIDE);
  for (let p = 0; p < SIDE * SIDE; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = record[1 + c * SIDE * SIDE + p];
  return { label: record[0], rgb };
}

// width × height, pixel(x, y) → [r, g, b]; rows bottom-up, BGR, padded to 4 bytes.
export function bmp(width, height, pixel) {
  const row = Math.ceil((3 * width) / 4) * 4, size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0);
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, bl] = pixel(x, y), at = 54 + (height - 1 - y) * row + 3 * x;
      b[at] = bl; b[at + 1] = g; b[at + 2] = r;
    }
  return b;
}

// A "photo" that is test image i enlarged 3× in the middle of a wider frame of stripes: its
// centred square, resized to 32×32, is test image i again.
export function framedTestImage(i) {
  const { rgb } = testImage(i), scale = 3, side = SIDE * scale, margin = 40;
  return bmp(side + 2 * margin, side, (x, y) => {
    const u = x - margin;
    if (u < 0 || u >= side) return (x >> 2) & 1 ? [250, 20, 20] : [20, 250, 20];
    const p = Math.floor(y / scale) * SIDE + Math.floor(u / scale);
    return [rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]];
  });
}
