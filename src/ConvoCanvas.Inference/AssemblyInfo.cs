// ConvoCanvas.Inference: the model catalogue, VRAM estimates, request traces, the GPU scheduling
// policies and the trace simulator that compares them. It knows nothing of Orleans; the GPU
// scheduler grain will drive the same policy objects with real Ollama.
