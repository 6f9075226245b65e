// Generated from pipelines/demo.json by scripts/embed-demo-pipeline.sh; edit the JSON, then rerun the script.
/// The demo pipeline compiled into `facenas`, so `facenas demo` needs no file next to the binary.
enum DemoPipeline {
    static let source = "pipelines/demo.json (embedded)"
    static let json = #"""
{
  "name": "demo",
  "description": "The whole face workflow on synthetic faces, no downloads: draw a synthetic face set (training RecordIO, verification .bin files of held-out people, a TinyFace-layout set), search an IR face backbone on it (ranked on identities held out of its training people), train the searched architecture at its macro width (as the authors retrained their finds), verify it on both .bin sets against the raw-pixel baseline, run TinyFace-style identification, embed the gallery and look one probe up, export the backbone as model.onnx for ONNX Runtime, and write the report. query_person is the first TinyFace person: identities - floor(0.15*identities) + 1 (171 for 200 identities, 35 for 40).",
  "variables": {
    "size": "56",
    "identities": "200",
    "images": "20",
    "seed": "1",
    "search_images": "3000",
    "max_width": "16",
    "min_width": "8",
    "min_depth": "4",
    "max_depth": "6",
    "epochs_start": "2",
    "micro_epochs": "2",
    "train_epochs": "10",
    "max_candidates": "1000",
    "query_person": "171"
  },
  "requires": [],
  "stages": [
    {"name": "synth", "args": ["synth", "--out", "{run}/synth", "--size", "{size}", "--identities", "{identities}", "--images-per-identity", "{images}", "--seed", "{seed}"], "clean": ["{run}/synth"]},
    {"name": "search", "args": ["search", "--data", "synth:{run}/synth", "--space", "ir", "--input-size", "{size}", "--min-width", "{min_width}", "--max-width", "{max_width}", "--width-step", "8", "--min-depth", "{min_depth}", "--max-depth", "{max_depth}", "--epochs-start", "{epochs_start}", "--micro-epochs", "{micro_epochs}", "--subset-images", "{search_images}", "--embedding-size", "128", "--ranking-pairs", "600", "--batch-size", "64", "--lr", "0.1", "--max-candidates", "{max_candidates}", "--seed", "{seed}", "--out", "{run}/search"]},
    {"name": "train", "args": ["train", "--task", "face", "--data", "synth:{run}/synth", "--arch", "{run}/search/macro-arch.json", "--epochs", "{train_epochs}", "--batch-size", "64", "--val", "{run}/synth/verification/synth_pose.bin", "--seed", "{seed}", "--out", "{run}/train"], "resume_args": ["--resume"]},
    {"name": "verify", "args": ["verify", "--model", "{run}/train/best.safetensors", "--bin", "{run}/synth/verification/synth.bin", "--bin", "{run}/synth/verification/synth_pose.bin", "--json", "{run}/verify.json", "--plot", "{run}/roc.svg"]},
    {"name": "baseline", "args": ["verify", "--pixels", "--bin", "{run}/synth/verification/synth.bin", "--bin", "{run}/synth/verification/synth_pose.bin", "--json", "{run}/verify-pixels.json"]},
    {"name": "identify", "args": ["identify", "--model", "{run}/train/best.safetensors", "--tinyface", "{run}/synth/tinyface", "--json", "{run}/identify.json", "--plot", "{run}/cmc.svg"]},
    {"name": "embed", "args": ["embed", "--model", "{run}/train/best.safetensors", "--images", "{run}/synth/tinyface/aligned_pad_0.1_pad_high/Gallery_Match", "--out", "{run}/gallery.npy"]},
    {"name": "query", "args": ["query", "--gallery", "{run}/gallery.npy", "--model", "{run}/train/best.safetensors", "--image", "{run}/synth/tinyface/aligned_pad_0.1_pad_high/Probe/{query_person}_1.jpg", "--top", "5", "--json", "{run}/query.json"]},
    {"name": "export", "args": ["export", "--model", "{run}/train/best.safetensors", "--onnx", "{run}/model.onnx"]},
    {"name": "report", "args": ["report", "{run}"]}
  ]
}

"""#
}
