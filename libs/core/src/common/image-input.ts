/** A photo as a caller sent it: base64 or a data URL in JSON, or the bytes of a multipart part. */
export type ImageInput = string | Buffer;
