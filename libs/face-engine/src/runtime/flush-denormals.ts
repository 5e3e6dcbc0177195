/**
 * Flushes denormal float32 weights of an ONNX model to zero, in place. Denormals (|x| < 1.18e-38) are handled in
 * microcode on Intel cores: the embedder holds 8,938 of them and ran 7x slower on a Xeon in every worker thread but
 * the first (ONNX Runtime's set_denormal_as_zero takes effect once per process, on one thread). Zero is what
 * flush-to-zero hardware would compute with them anyway. Only fixed-size float words change, so the protobuf around
 * them stays valid byte for byte.
 *
 * Walks ModelProto.graph (field 7) -> GraphProto.initializer (5) -> TensorProto with data_type FLOAT (field 2 = 1):
 * raw_data (9) or packed float_data (4).
 */
export function flushDenormalWeights(model: Uint8Array): number {
  const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
  let flushed = 0;
  for (const graph of lengthDelimited(model, 0, model.length, 7)) {
    for (const tensor of lengthDelimited(model, graph.start, graph.end, 5)) flushed += flushTensor(model, view, tensor.start, tensor.end);
  }
  return flushed;
}

function flushTensor(bytes: Uint8Array, view: DataView, start: number, end: number): number {
  let isFloat = false;
  const payloads: Array<{ start: number; end: number }> = [];
  for (const field of fieldsOf(bytes, start, end)) {
    if (field.number === 2 && field.wireType === 0) isFloat = field.value === 1;
    if ((field.number === 9 || field.number === 4) && field.wireType === 2) payloads.push({ start: field.start, end: field.end });
  }
  if (!isFloat) return 0;
  let flushed = 0;
  for (const payload of payloads) {
    for (let i = payload.start; i + 4 <= payload.end; i += 4) {
      const bits = view.getUint32(i, true);
      if ((bits & 0x7f800000) === 0 && (bits & 0x007fffff) !== 0) {
        view.setUint32(i, 0, true);
        flushed++;
      }
    }
  }
  return flushed;
}

interface Field {
  number: number;
  wireType: number;
  /** Varint value (wire type 0). */
  value: number;
  /** Payload bounds (wire type 2). */
  start: number;
  end: number;
}

function* lengthDelimited(bytes: Uint8Array, start: number, end: number, number: number): Generator<Field> {
  for (const field of fieldsOf(bytes, start, end)) if (field.number === number && field.wireType === 2) yield field;
}

function* fieldsOf(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let i = start;
  while (i < end) {
    const [key, afterKey] = varint(bytes, i);
    const field: Field = { number: Math.floor(key / 8), wireType: key % 8, value: 0, start: 0, end: 0 };
    i = afterKey;
    if (field.wireType === 0) [field.value, i] = varint(bytes, i);
    else if (field.wireType === 1) i += 8;
    else if (field.wireType === 5) i += 4;
    else if (field.wireType === 2) {
      const [length, afterLength] = varint(bytes, i);
      field.start = afterLength;
      field.end = afterLength + length;
      i = field.end;
    } else throw new Error(`unsupported protobuf wire type ${field.wireType} at byte ${i}`);
    if (i > end) throw new Error('truncated protobuf field');
    yield field;
  }
}

function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new Error('truncated protobuf varint');
    const byte = bytes[i++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i];
    scale *= 128;
  }
}
