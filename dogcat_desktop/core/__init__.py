"""The Qt-free core: decoding, classification, scanning, moving and undo."""
