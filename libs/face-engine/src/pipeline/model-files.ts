/** File names of the four models inside FaceEngineConfig.modelsDir (see models/manifest.json). */
export const MODEL_FILES = {
  detector: 'fr_detect.onnx',
  landmarks: 'fr_landmark.onnx',
  embedder: 'fr_feature.onnx',
  liveness: 'fr_liveness.onnx',
} as const;
