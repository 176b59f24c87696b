"""The seed report's section II.4 (Tuần Giáo, 2020–2022), as it is printed."""

SEED_PARAGRAPH = """Từ năm 2020 đến năm 2022 tổng kinh phí thực hiện công tác cai nghiện ma túy là 168.800.000đ. Cụ thể:
* Năm 2020: Kinh phí thực hiện công tác cai nghiện ma túy là: 65.900.000đ, trong đó:
- Ngân sách địa phương: 65.900.000đ
- Nguồn đóng góp của người cai nghiện, gia đình người cai nghiện: Không thực hiện.
- Nguồn khác: Không.
* Năm 2021: Kinh phí thực hiện công tác cai nghiện ma túy là: 66.150.000đ, trong đó:
- Ngân sách địa phương: 66.150.000đ
- Nguồn đóng góp của người cai nghiện, gia đình người cai nghiện: Không thực hiện.
- Nguồn khác: Không.
* Năm 2022: Kinh phí thực hiện công tác cai nghiện ma túy là: 36.750.000đ, trong đó:
- Ngân sách địa phương: 36.750.000đ
- Nguồn đóng góp của người cai nghiện, gia đình người cai nghiện: Không thực hiện.
- Nguồn khác: Không."""
