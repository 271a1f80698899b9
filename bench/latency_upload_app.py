"""Baseline for `bench_latency`: a file uploader and the chosen image shown."""

import streamlit as st

upload = st.file_uploader("Image", type=["png", "jpg", "jpeg", "webp"], key="upload")
if upload is not None:
    st.image(upload)
