# Written by `iamdsl export --format terraform` from data_perimeter.iam.
# Account vendor (999999999999): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["999999999999"]
}

resource "aws_iam_role" "Scanner" {
  name = "Scanner"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy" "Scanner_inline" {
  name = "inline"
  role = aws_iam_role.Scanner.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-data-lake/*"
      },
      {
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-data-lake"
      },
    ]
  })
}

resource "aws_s3_bucket_policy" "dropbox" {
  bucket = "vendor-dropbox-uploads"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::vendor-dropbox-uploads/*"
      },
    ]
  })
}
