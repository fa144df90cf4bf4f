/**
 * @file WAV bytes to audio and back, pure. Decoding checks the RIFF structure itself first (wavefile
 * silently decodes a truncated data chunk as a shorter clip, and accepts encodings we would then
 * misread), then lets `wavefile` decode the samples, scales integers to [-1, 1) the way soundfile and
 * torchaudio do (divide by 2^(bits−1); 8-bit is unsigned around 128), and mixes channels down to mono
 * by averaging. Encoding writes mono or multi-channel 16-bit PCM or 32-bit float.
 */

import * as E from "fp-ts/lib/Either.js";
import * as wavefileModule from "wavefile";
import { audioError, type AudioError } from "./error.js";

/** A decoded clip: mono samples in [-1, 1] and what the file held. */
export interface Audio {
  readonly sampleRate: number;
  /** Mono samples (channels averaged). */
  readonly samples: Float32Array;
  /** Channels in the file, before the mix-down. */
  readonly channels: number;
  /** Bits per sample in the file (8, 16, 24, 32 or 64). */
  readonly bitDepth: number;
  /** Integer PCM or IEEE float samples in the file. */
  readonly encoding: "pcm" | "float";
}

/**
 * What a WAV file may declare before it is decoded. The bounds keep a hostile header from turning a
 * few bytes into gigabytes (a 1 Hz rate resampled to 16 kHz is 16000× the samples); raise them for
 * unusual material (`mwmae embed --max-seconds`).
 */
export interface AudioLimits {
  /** Lowest sample rate accepted, Hz (default 1000). */
  readonly minSampleRate: number;
  /** Highest sample rate accepted, Hz (default 384000). */
  readonly maxSampleRate: number;
  /** Most channels accepted (default 64). */
  readonly maxChannels: number;
  /** Longest clip accepted, seconds (default 3600). */
  readonly maxSeconds: number;
}

/** The default limits: 1–384 kHz, 64 channels, one hour. */
export const defaultAudioLimits: AudioLimits = { minSampleRate: 1000, maxSampleRate: 384000, maxChannels: 64, maxSeconds: 3600 };

/** The sample formats `encodeWav` writes. */
export type WavFormat = "pcm16" | "float32";

interface Chunk {
  readonly id: string;
  readonly offset: number;
  readonly size: number;
}

interface Format {
  readonly code: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bits: number;
}

const formatNames: Readonly<Record<number, string>> = {
  1: "PCM",
  2: "MS ADPCM",
  3: "IEEE float",
  6: "A-law",
  7: "µ-law",
  17: "IMA ADPCM",
  85: "MP3",
};
const extensible = 0xfffe;
const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

/** The chunks after the RIFF header, or why they cannot be walked. */
const walkChunks = (bytes: Uint8Array, source: string): E.Either<AudioError, { chunks: Chunk[]; view: DataView; little: boolean }> => {
  const container = bytes.length >= 12 ? ascii(bytes, 0) : "";
  if (!["RIFF", "RIFX", "RF64"].includes(container) || ascii(bytes, 8) !== "WAVE") {
    return E.left(audioError("not-wav", source, `not a WAV file (no RIFF/WAVE header; ${bytes.length} bytes)`));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = container !== "RIFX";
  const chunks: Chunk[] = [];
  // Fewer than 8 trailing bytes cannot hold a chunk header: tolerated, as most readers do.
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, little);
    // RF64 keeps the real sizes in its ds64 chunk and writes 0xFFFFFFFF here; wavefile resolves them.
    const sized = !(container === "RF64" && size === 0xffffffff);
    if (sized && at + 8 + size > bytes.length) {
      return E.left(
        audioError(
          "truncated",
          source,
          `truncated: the "${id.trim()}" chunk claims ${size} bytes but only ${bytes.length - at - 8} remain`,
        ),
      );
    }
    chunks.push({ id, offset: at + 8, size });
    if (!sized) break;
    at += 8 + size + (size % 2); // chunks are word-aligned
  }
  return E.right({ chunks, view, little });
};

/** The declared rate, channels and duration against `limits`, before any sample is decoded. */
const checkLimits = (f: Format, dataBytes: number, limits: AudioLimits, source: string): E.Either<AudioError, Format> => {
  const { minSampleRate, maxSampleRate, maxChannels, maxSeconds } = limits;
  if (f.sampleRate < minSampleRate || f.sampleRate > maxSampleRate) {
    return E.left(
      audioError(
        "limit",
        source,
        `sample rate ${f.sampleRate} Hz is outside the accepted ${minSampleRate}–${maxSampleRate} Hz (corrupt header?)`,
      ),
    );
  }
  if (f.channels > maxChannels) {
    return E.left(audioError("limit", source, `${f.channels} channels, more than the ${maxChannels} accepted (corrupt header?)`));
  }
  const seconds = dataBytes / f.blockAlign / f.sampleRate;
  if (seconds > maxSeconds) {
    return E.left(
      audioError(
        "limit",
        source,
        `${seconds.toFixed(1)} s of audio, longer than the ${maxSeconds} s accepted (raise it with --max-seconds)`,
      ),
    );
  }
  return E.right(f);
};

/** The first NaN/infinite sample: channel values as decoded, and the float32 mix (a finite float64 can overflow it). */
const firstNonFinite = (channels: ReadonlyArray<Float64Array>, mixed: Float32Array): { index: number; channel?: number } | undefined => {
  for (let i = 0; i < mixed.length; i++) {
    if (Number.isFinite(mixed[i]!)) continue;
    const channel = channels.findIndex((ch) => !Number.isFinite(ch[i]!));
    return channel < 0 ? { index: i } : { index: i, channel };
  }
  return undefined;
};

const readFormat = (view: DataView, little: boolean, fmt: Chunk, source: string): E.Either<AudioError, Format> => {
  if (fmt.size < 16) return E.left(audioError("corrupt", source, `corrupt: the fmt chunk has ${fmt.size} bytes, needs 16`));
  const at = fmt.offset;
  let code = view.getUint16(at, little);
  // WAVE_FORMAT_EXTENSIBLE carries the real format in the first two bytes of its subformat GUID.
  if (code === extensible && fmt.size >= 26) code = view.getUint16(at + 24, little);
  const f: Format = {
    code,
    channels: view.getUint16(at + 2, little),
    sampleRate: view.getUint32(at + 4, little),
    blockAlign: view.getUint16(at + 12, little),
    bits: view.getUint16(at + 14, little),
  };
  const name = formatNames[code] ?? `format code 0x${code.toString(16).padStart(4, "0")}`;
  if (f.channels === 0) return E.left(audioError("corrupt", source, "corrupt: the fmt chunk declares 0 channels"));
  if (f.sampleRate === 0) return E.left(audioError("corrupt", source, "corrupt: the fmt chunk declares a sample rate of 0"));
  const pcmOk = code === 1 && [8, 16, 24, 32].includes(f.bits);
  const floatOk = code === 3 && [32, 64].includes(f.bits);
  if (!pcmOk && !floatOk) {
    return E.left(
      audioError(
        "unsupported-encoding",
        source,
        `unsupported encoding: ${f.bits}-bit ${name} (supported: 8/16/24/32-bit PCM, 32/64-bit float)`,
      ),
    );
  }
  if (f.blockAlign !== (f.channels * f.bits) / 8) {
    return E.left(audioError("corrupt", source, `corrupt: block align ${f.blockAlign} for ${f.channels} channels of ${f.bits} bits`));
  }
  return E.right(f);
};

/**
 * wavefile's `WaveFile` class. Bundlers read its ES module (`module` field: a named export); Node
 * loads its CommonJS build, whose exports arrive as the namespace's `default`.
 */
const { WaveFile } = (Reflect.get(wavefileModule, "default") ?? wavefileModule) as typeof wavefileModule;

/** Scales one raw sample value as wavefile returns it to [-1, 1). */
const scaleFor = (f: Format): ((v: number) => number) => {
  if (f.code === 3) return (v) => v;
  if (f.bits === 8) return (v) => (v - 128) / 128; // 8-bit WAV is unsigned
  const full = 2 ** (f.bits - 1);
  return (v) => v / full;
};

/**
 * Decodes WAV bytes into mono float samples. `source` names the bytes in errors. A header beyond
 * `limits` is refused before decoding; a NaN or infinite sample is a `non-finite` error naming the
 * first one's index and time.
 * @example
 * pipe(decodeWav(bytes, "clip.wav"), E.map((a) => a.samples.length));
 */
export const decodeWav = (bytes: Uint8Array, source: string, limits: AudioLimits = defaultAudioLimits): E.Either<AudioError, Audio> => {
  const walked = walkChunks(bytes, source);
  if (E.isLeft(walked)) return walked;
  const { chunks, view, little } = walked.right;
  const fmt = chunks.find((c) => c.id === "fmt ");
  const data = chunks.find((c) => c.id === "data");
  if (fmt === undefined) return E.left(audioError("corrupt", source, "corrupt: no fmt chunk"));
  if (data === undefined) return E.left(audioError("corrupt", source, "corrupt: no data chunk"));
  const format = readFormat(view, little, fmt, source);
  if (E.isLeft(format)) return format;
  const f = format.right;
  const limited = checkLimits(f, data.size === 0xffffffff ? bytes.length - data.offset : data.size, limits, source);
  if (E.isLeft(limited)) return limited;
  if (data.size !== 0xffffffff && data.size % f.blockAlign !== 0) {
    return E.left(
      audioError(
        "truncated",
        source,
        `truncated: the data chunk holds ${data.size} bytes, not a whole number of ${f.blockAlign}-byte frames`,
      ),
    );
  }
  let channels: Float64Array[];
  try {
    const wav = new WaveFile(bytes);
    const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
    channels = f.channels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  } catch (e) {
    return E.left(audioError("corrupt", source, `corrupt: ${e instanceof Error ? e.message : String(e)}`));
  }
  const frames = channels[0]?.length ?? 0;
  if (frames === 0) return E.left(audioError("empty", source, "empty: the data chunk holds no samples"));
  const scale = scaleFor(f);
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (const ch of channels) acc += scale(ch[i]!);
    samples[i] = acc / channels.length;
  }
  const bad = firstNonFinite(channels, samples);
  if (bad !== undefined) {
    const raw = bad.channel === undefined ? undefined : channels[bad.channel]![bad.index]!;
    const what = raw === undefined ? "a value beyond float32's range" : String(raw);
    const where = bad.channel === undefined || f.channels === 1 ? "" : ` (channel ${bad.channel})`;
    const at = `sample ${bad.index}${where}, at ${(bad.index / f.sampleRate).toFixed(3)} s`;
    return E.left(audioError("non-finite", source, `non-finite sample: ${what} at ${at}`));
  }
  return E.right({ sampleRate: f.sampleRate, samples, channels: f.channels, bitDepth: f.bits, encoding: f.code === 3 ? "float" : "pcm" });
};

/** Float samples to 16-bit integers: ×32768, rounded, clipped (the inverse of the decoder's scaling). */
const toPcm16 = (x: Float32Array): Int16Array => {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]! * 32768)));
  return out;
};

/**
 * WAV bytes for mono samples, or for several channels of equal length.
 * @example
 * const bytes = encodeWav({ sampleRate: 16000, samples: new Float32Array(16000) }, "pcm16");
 */
export const encodeWav = (
  audio: { readonly sampleRate: number; readonly samples: Float32Array | ReadonlyArray<Float32Array> },
  format: WavFormat = "pcm16",
): Uint8Array => {
  const channels = audio.samples instanceof Float32Array ? [audio.samples] : [...audio.samples];
  if (channels.length === 0 || channels.some((c) => c.length !== channels[0]!.length)) {
    throw new RangeError(`encodeWav: needs at least one channel, all of one length (got ${channels.map((c) => c.length).join(", ")})`);
  }
  const data = format === "pcm16" ? channels.map(toPcm16) : channels;
  const wav = new WaveFile();
  wav.fromScratch(channels.length, audio.sampleRate, format === "pcm16" ? "16" : "32f", data.length === 1 ? data[0]! : data);
  return wav.toBuffer();
};
