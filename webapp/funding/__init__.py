"""Funding (kinh phí, Circular 62/2022/TT-BTC), activities (hoạt động, văn bản ban hành) and the
yearly report drafted from them and from the registry's figures."""
