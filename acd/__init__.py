"""Automatic call distribution: AMI client layer and live queue state."""
