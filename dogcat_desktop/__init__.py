"""DogCat Sorter: sorts a folder of photos into dogs and cats."""

__version__ = "0.1.0"
