"""App services between the UI and the API package (no streamlit import except state.py)."""
