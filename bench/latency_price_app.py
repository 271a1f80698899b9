"""Baseline for `bench_latency`: a slider and the price it implies, as plain text."""

import streamlit as st

duration = st.slider("Duration (s)", 3, 15, 5, key="duration")
st.text(f"${0.084 * duration:.3f}")
